using System.Text.Json.Serialization;

namespace TokenService.Management;

/// <summary>
/// Body of <c>POST /management/orgs</c>: the organization and, optionally, its first admin user
/// (<c>username</c>, <c>email</c> and <c>password</c> together).
/// </summary>
public sealed record CreateOrganizationRequest(
    [property: JsonPropertyName("organization")] string? Organization,
    [property: JsonPropertyName("username")] string? Username = null,
    [property: JsonPropertyName("email")] string? Email = null,
    [property: JsonPropertyName("password")] string? Password = null,
    [property: JsonPropertyName("name")] string? Name = null);

/// <summary>Body of <c>POST /management/orgs/{org}/apps</c> and <c>POST …/resource-servers</c>.</summary>
public sealed record CreateNamedRequest([property: JsonPropertyName("name")] string? Name);

/// <summary>Body of <c>PUT</c> on an organization or application; absent fields stay as they are.</summary>
public sealed record UpdateSettingsRequest(
    [property: JsonPropertyName("accesstokenttl")] long? AccessTokenTtl,
    [property: JsonPropertyName("secured")] bool? Secured);

/// <summary>An organization as stored. <c>accesstokenttl</c> is null where the service default applies.</summary>
public sealed record OrganizationResponse(
    [property: JsonPropertyName("uuid")] Guid Uuid,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("accesstokenttl")] long? AccessTokenTtl,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("modified")] DateTimeOffset Modified);

/// <summary>An application as stored.</summary>
public sealed record ApplicationResponse(
    [property: JsonPropertyName("uuid")] Guid Uuid,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("org")] string Org,
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("accesstokenttl")] long? AccessTokenTtl,
    [property: JsonPropertyName("secured")] bool Secured,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("modified")] DateTimeOffset Modified);

/// <summary>A client's credentials: the secret only in the response that regenerated it.</summary>
public sealed record CredentialsResponse(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("secret_issued_at")] DateTimeOffset SecretIssuedAt,
    [property: JsonPropertyName("client_secret"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientSecret = null,
    [property: JsonPropertyName("tokens_revoked"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? TokensRevoked = null);

/// <summary>Result of a bulk revocation.</summary>
public sealed record RevokedResponse([property: JsonPropertyName("revoked")] long Revoked);
