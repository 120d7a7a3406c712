"""Stand-in for the pip bootstrap script ansible-test downloads from its own server.

That server is outside the package index, so it cannot be reached here. This script does
the same job: pip from Python's bundled ``ensurepip``, then the packages ansible-test asks
for, from the configured package index.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
arguments = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
bundle = "/etc/ssl/certs/ca-certificates.crt"
if os.path.exists(bundle):
    # ansible-test runs pip with a reduced environment; the system's CA bundle still applies.
    arguments = ["--cert", bundle, *arguments]
subprocess.check_call([sys.executable, "-m", "pip", "install", *arguments])
