"""Dates as every page writes them ("6 Nov 2026", "6 Nov 2026, 14:05 UTC"), for the admin and
any value a template shows without a filter. A time always names its zone here: the admin
shows the site's zone (UTC), which is not the venue's. The wizard's pages use the same style
(wizard.templatetags.wizard_tags) and name the venue's zone once, in the page's heading.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
TIME_FORMAT = "H:i T"
