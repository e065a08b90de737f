"""``convenio``: the publisher CLI an academy runs against Convenio (docs/integration.md)."""
