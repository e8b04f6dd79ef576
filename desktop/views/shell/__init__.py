"""The main window and what frames the pages: sign-in, the scan box, the status bar, help and the error dialog."""
