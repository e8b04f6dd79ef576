"""Qt views: each page in its own module; they call services and show results."""
