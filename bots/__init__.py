"""Bot plugins shipped with the framework; each subpackage exposes one plugin object."""
