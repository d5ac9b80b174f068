// The whole gateway as one import, for the command line, tests and embedders: each stage of the
// request path is its own module (see Package.swift), re-exported here.
@_exported import TollgateBase
@_exported import TollgateHTTPClient
@_exported import TollgateExactCache
@_exported import TollgateSemantic
@_exported import TollgateProviders
@_exported import TollgateRouting
@_exported import TollgateShared
@_exported import TollgateFixtures
@_exported import TollgateDialects
@_exported import TollgatePipeline
@_exported import TollgateServer
@_exported import TollgateMock
@_exported import TollgateBench
