"""Google Photos through its APIs: discovery documents, credentials, clients."""
