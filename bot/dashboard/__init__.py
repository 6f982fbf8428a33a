"""The manager's web dashboard, served by the app under /dashboard/."""
