"""The e-journal's entry point in every community: «журнал» answers with the mini-app's button."""
