namespace TokenService.Data.Entities;

/// <summary>
/// A tenant with an OpenIddict client of its own and a token TTL — an organization or an application — so that
/// regenerating its secret and changing its TTL are written once for both.
/// </summary>
public interface IClientTenant
{
    /// <summary>The organization it is, or belongs to.</summary>
    Guid TenantOrganizationId { get; }

    /// <summary>Its client's id.</summary>
    string ClientId { get; }

    /// <summary>When its client's current secret was issued.</summary>
    DateTimeOffset SecretIssuedAt { get; set; }

    /// <summary>The lifetime of its client's tokens, in milliseconds; <c>null</c> for the service default.</summary>
    long? AccessTokenTtl { get; set; }

    DateTimeOffset Modified { get; set; }
}
