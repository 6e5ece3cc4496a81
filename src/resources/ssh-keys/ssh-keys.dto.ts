import { Matches } from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { SshKeyView } from '../../domain/resource-views.dto';
import { ProviderListStatus } from '../../application/provider-list-status.dto';
import { ListQuery } from '../common/list.dto';
import { IsOpenSshPublicKey, IsResourceName } from '../common/validators';

export class CreateSshKeyRequest {
  /** Provider connection to keep the key on. */
  @Matches(CONNECTION_NAME_PATTERN)
  provider: string;

  /** Name of the key. */
  @IsResourceName()
  name: string;

  /** The public key in OpenSSH form: `<type> <base64> [comment]`, as in `~/.ssh/id_ed25519.pub`. */
  @IsOpenSshPublicKey()
  publicKey: string;
}

/** Query of the SSH key list: the filters every list has. */
export class SshKeyListQuery extends ListQuery {}

export class SshKeyList {
  items: SshKeyView[];
  /** Pass as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
  /** How each provider connection contributed to this list. */
  providers: ProviderListStatus[];
}
