pytest_plugins = ["convenio_chassis.testing"]
