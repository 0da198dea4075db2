"""Builder views, one module per page family. Every view requires the change
permission on orchestrations (others get 403) and edits only draft versions."""
