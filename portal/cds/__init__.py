"""The Carbon Data Specification (CDS WG1) side of OAuth: server metadata, the scope catalogue,
client registration, the client set, credentials, messages and the client admin APIs."""
