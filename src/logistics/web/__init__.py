"""What every page shares: templating, htmx, forms, i18n, guards, security headers, errors."""
