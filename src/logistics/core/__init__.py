"""What every domain shares and no domain owns: the acting user, use cases, refusals, roles, policies, i18n."""
