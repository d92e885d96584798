"""One of the workshop's two servers: ``python -m widgets.workshop ROLE HOST PORT CULL_AFTER``.

Started by ``secure-base workshop``, with its token in the environment; not a command to run by
hand.
"""

import sys

from .servers import main

sys.exit(main(sys.argv[1:]))
