"""The conformance harness: targets (embedded simulators or URLs), HTTP drivers with domain
methods, the pytest plugin that gives every scenario its own tenants, and the command line."""
