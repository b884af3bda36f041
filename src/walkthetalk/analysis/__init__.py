"""Pure computation: never imports Django."""
