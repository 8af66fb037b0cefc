namespace TokenService.Data.Entities;

/// <summary>A least-privilege credential of an organization's API: it may only introspect that organization's tokens.</summary>
public sealed class ResourceServer
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Organization Organization { get; set; } = null!;

    public required string Name { get; set; }

    /// <summary>The OpenIddict client id (<c>rs_…</c>).</summary>
    public required string ClientId { get; set; }

    public DateTimeOffset SecretIssuedAt { get; set; }

    public DateTimeOffset Created { get; set; }
}
