"""Email addresses as organizations' directories hold them.

email-validator refuses special-use domains because mail to them cannot be delivered
across the internet. People's records here are not mail: a company directory often holds
`.local` addresses (Active Directory's default) and test or staging systems `.test` ones,
and refusing them made such people impossible to record. Those two are accepted; the
other special-use names (`invalid`, `localhost`, `onion`, `arpa`) and every malformed
address are still refused. Taking a name off `SPECIAL_USE_DOMAIN_NAMES` is the library's
documented way to allow it; it is done once, here, where the type is defined.
"""

import email_validator
from pydantic import EmailStr

DIRECTORY_DOMAINS = frozenset({"local", "test"})

email_validator.SPECIAL_USE_DOMAIN_NAMES[:] = [
    name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES if name not in DIRECTORY_DOMAINS
]

Email = EmailStr
"""An email address: checked and normalized by email-validator, without DNS lookups."""
