"""The staff members' side shared by the `staff` and `admin` blueprints: the two-halved session,
log-in and passwords, roles and the view guard, throttles, the base form and template helpers.

Neither blueprint imports the other; both build on this layer.
"""
