"""django-import-export resources for the four roster sheets, one module each."""

from .cadres import CadreResource
from .households import HouseholdResource
from .members import MemberResource
from .pairings import PairingResource

__all__ = ["CadreResource", "HouseholdResource", "MemberResource", "PairingResource"]
