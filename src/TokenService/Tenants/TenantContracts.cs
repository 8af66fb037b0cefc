using System.Text.Json.Serialization;

namespace TokenService.Tenants;

/// <summary>A new organization, with its org client's secret (shown this once) and its sandbox app.</summary>
public sealed record OrganizationCreatedResponse(
    [property: JsonPropertyName("uuid")] Guid Uuid,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_secret")] string ClientSecret,
    [property: JsonPropertyName("accesstokenttl")] long? AccessTokenTtl,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("modified")] DateTimeOffset Modified,
    [property: JsonPropertyName("sandbox")] ApplicationCreatedResponse Sandbox,
    [property: JsonPropertyName("owner"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Users.AdminUserResponse? Owner = null);

/// <summary>A new application, with its app client's secret (shown this once).</summary>
public sealed record ApplicationCreatedResponse(
    [property: JsonPropertyName("uuid")] Guid Uuid,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("org")] string Org,
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_secret")] string ClientSecret,
    [property: JsonPropertyName("accesstokenttl")] long? AccessTokenTtl,
    [property: JsonPropertyName("secured")] bool Secured,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("modified")] DateTimeOffset Modified);

/// <summary>A resource-server credential: the secret only in the response that created it.</summary>
public sealed record ResourceServerResponse(
    [property: JsonPropertyName("uuid")] Guid Uuid,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("org")] string Org,
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("client_secret"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientSecret = null);
