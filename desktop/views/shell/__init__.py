"""The main window, its pages and navigation, sign-in, the status bar, help and the error dialog."""
