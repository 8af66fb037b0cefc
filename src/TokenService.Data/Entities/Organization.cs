namespace TokenService.Data.Entities;

/// <summary>A tenant: owns applications and has one org client that acts as its administrator.</summary>
public sealed class Organization : IClientTenant
{
    Guid IClientTenant.TenantOrganizationId => Id;

    public Guid Id { get; set; }

    /// <summary>Unique, lower-case name used in routes (<c>^[a-z0-9][a-z0-9-]{0,63}$</c>).</summary>
    public required string Name { get; set; }

    /// <summary>The OpenIddict client id of the org client (<c>org_…</c>).</summary>
    public required string ClientId { get; set; }

    public DateTimeOffset SecretIssuedAt { get; set; }

    /// <summary>Lifetime in milliseconds of org-client tokens; <c>null</c> = service default, <c>0</c> = never expire.</summary>
    public long? AccessTokenTtl { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Modified { get; set; }

    public List<Application> Applications { get; } = [];

    public List<ResourceServer> ResourceServers { get; } = [];

    public List<OrganizationAdmin> Admins { get; } = [];
}
