"""Code the simulators share: persistence, the simulated clock, the journal, errors, the
control plane. Each simulator is a Flask application factory over a state layer; this package
holds what would otherwise be written once per simulator."""
