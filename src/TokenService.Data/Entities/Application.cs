namespace TokenService.Data.Entities;

/// <summary>An application of one organization, with one app client that acts as its administrator.</summary>
public sealed class Application : IClientTenant
{
    Guid IClientTenant.TenantOrganizationId => OrganizationId;

    /// <summary>The application every organization gets, open to guests.</summary>
    public const string SandboxName = "sandbox";

    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Organization Organization { get; set; } = null!;

    /// <summary>Name unique within the organization, same pattern as organization names.</summary>
    public required string Name { get; set; }

    /// <summary>The OpenIddict client id of the app client (<c>app_…</c>).</summary>
    public required string ClientId { get; set; }

    public DateTimeOffset SecretIssuedAt { get; set; }

    /// <summary>
    /// The app's public OpenIddict client (<c>pub_…</c>, no secret, password and refresh grants only): the client of
    /// tokens its users obtain without presenting the app client's secret, as Usergrid apps do. Every token therefore
    /// belongs to one of the app's two clients, which is how revoking an app's tokens finds them all.
    /// </summary>
    public required string PublicClientId { get; set; }

    /// <summary>Lifetime in milliseconds of tokens issued to the app client and app users; <c>null</c> = service default, <c>0</c> = never expire.</summary>
    public long? AccessTokenTtl { get; set; }

    /// <summary>Secured apps refuse guests; only the sandbox app starts open.</summary>
    public bool Secured { get; set; } = true;

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Modified { get; set; }
}
