"""The rules shared by the numpy families (:mod:`indicators.concentration`, :mod:`indicators.screening`) and
the SQL engine (:mod:`indicators.engine`), in one place. Plain constants importing only light modules: the
engine runs where pandas and pandera are not installed (Spark executors), so it cannot import the families."""

from __future__ import annotations

from indicators.products import CHIPS
from indicators.thresholds import HHI_EC_DEPENDENCY

#: A partner breakdown "covers the total" when country suppliers account for at least 99% of
#: it. Comtrade partner rows usually sum to the World row to within rounding; a larger gap
#: means missing partners (e.g. a download "from World and from China only") or a big
#: unallocated "area" residual, and HHI/top-k over such a breakdown would be made up.
COMPLETE_COVERAGE = 0.99
#: ... and at most 101% of it: partner rows summing to well above the World row mean the
#: figures are inconsistent (shares would sum above 1), so no HHI/top-k either.
MAX_COVERAGE = 1.01

#: Screening criterion 1: HHI of imports across supplier countries strictly above this (0.4), from thresholds.
HHI_CRITERION = HHI_EC_DEPENDENCY.value
#: Screening criterion 3 (SWD(2021) 352): extra-EU imports / EU exports strictly above 1.
IMPORT_EXPORT_CRITERION = 1.0
#: Values within this relative distance of a screening threshold count as *at* it (not above): a share
#: computed as 0.4000000000000001 by floating-point rounding must not decide a flag.
SCREEN_RTOL = 1e-12

#: HS headings that may be rebuilt from their subheadings for the screening: heading -> every subheading
#: (HS 2007 to HS 2022 editions). 8542 integrated circuits = 854231 + 854232 + 854233 + 854239 + 854290,
#: which is exactly the 'chips' product group.
HEADINGS: dict[str, tuple[str, ...]] = {"8542": CHIPS.hs_codes}
