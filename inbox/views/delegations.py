"""Out-of-office delegations. (Being built.)"""

from .lists import my_work

delegation_list = delegation_end = my_work
