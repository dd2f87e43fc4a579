"""pytest-bdd step definitions, by domain. They talk to the systems only through the drivers in
k1harness.drivers and never build URLs."""
