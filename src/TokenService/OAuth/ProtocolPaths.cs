namespace TokenService.OAuth;

/// <summary>
/// The paths of the protocol endpoints OpenIddict serves, named once: OpenIddict is configured with them, the lean path
/// in front of it and the Usergrid token paths hand requests to them, and the host tags their requests' metrics.
/// </summary>
public static class ProtocolPaths
{
    public const string Token = "/token";
    public const string Introspection = "/introspect";
    public const string Revocation = "/revoke";
    public const string Configuration = "/.well-known/openid-configuration";
    public const string AuthorizationServerMetadata = "/.well-known/oauth-authorization-server";
    public const string JsonWebKeySet = "/.well-known/jwks";

    /// <summary>Every path OpenIddict answers.</summary>
    public static IReadOnlyList<string> All { get; } = [Token, Introspection, Revocation, Configuration, AuthorizationServerMetadata, JsonWebKeySet];

    /// <summary>OpenIddict takes endpoint paths relative to the issuer.</summary>
    internal static string Relative(string path) => path.TrimStart('/');
}
