using System.Text.Json.Serialization;
using TokenService.Data.Entities;

namespace TokenService.Users;

/// <summary>Body of a user creation (admin or app user).</summary>
public sealed record CreateUserRequest(
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("name")] string? Name);

/// <summary>Body of a user update; absent fields stay as they are. <c>activated: false</c> revokes the user's tokens.</summary>
public sealed record UpdateUserRequest(
    [property: JsonPropertyName("activated")] bool? Activated,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("password")] string? Password);

/// <summary>An app user as stored (never its password hash).</summary>
public sealed record AppUserResponse(
    [property: JsonPropertyName("uuid")] Guid Uuid,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("activated")] bool Activated,
    [property: JsonPropertyName("org")] string Org,
    [property: JsonPropertyName("app")] string App,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("modified")] DateTimeOffset Modified)
{
    public static AppUserResponse From(AppUser user, string org, string app)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(user.Id, user.Username, user.Email, user.Name, user.Activated, org, app, user.Created, user.Modified);
    }
}

/// <summary>An admin user as stored, with the organizations it administers.</summary>
public sealed record AdminUserResponse(
    [property: JsonPropertyName("uuid")] Guid Uuid,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("activated")] bool Activated,
    [property: JsonPropertyName("organizations")] IReadOnlyList<string> Organizations,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("modified")] DateTimeOffset Modified)
{
    public static AdminUserResponse From(AdminUser user, IReadOnlyList<string> organizations)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(user.Id, user.Username, user.Email, user.Name, user.Activated, organizations, user.Created, user.Modified);
    }
}
