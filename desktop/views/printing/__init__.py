"""The page-layout engine and the print dialogs, with one module per printed document."""
