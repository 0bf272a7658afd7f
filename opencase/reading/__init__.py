"""Reading record files: every ``*.yaml`` under a records folder, safely, with locations."""
