"""smartvote: Smart Voting rebuilt as open software.

Choose tactical endorsements from past precinct results, publish them as signed static
bundles, and assess the outcome with election forensics. See ``../shared/DESIGN.md``.
"""

from smartvote.errors import SmartvoteError

__all__ = ["SmartvoteError", "__version__"]
__version__ = "0.1.0"
