using System.Text.Json.Serialization;
using TokenService.Data.Entities;

namespace TokenService.Compat;

/// <summary>A user as Usergrid clients read it: dates are epoch milliseconds.</summary>
public sealed record UsergridUser(
    [property: JsonPropertyName("uuid")] Guid Uuid,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("activated")] bool Activated,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("modified")] long Modified)
{
    public static UsergridUser From(AppUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(user.Id, "user", user.Username, user.Email, user.Name, user.Activated,
            user.Created.ToUnixTimeMilliseconds(), user.Modified.ToUnixTimeMilliseconds());
    }

    public static UsergridUser From(AdminUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(user.Id, "user", user.Username, user.Email, user.Name, user.Activated,
            user.Created.ToUnixTimeMilliseconds(), user.Modified.ToUnixTimeMilliseconds());
    }
}

/// <summary>An organization or application as the principal of a Usergrid token response.</summary>
public sealed record UsergridNamed(
    [property: JsonPropertyName("uuid")] Guid Uuid,
    [property: JsonPropertyName("name")] string Name);

/// <summary>Usergrid's response envelope: entity results come as <c>entities</c>, with the action and path.</summary>
public sealed record UsergridEnvelope(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("organization")] string Organization,
    [property: JsonPropertyName("applicationName")] string ApplicationName,
    [property: JsonPropertyName("entities")] IReadOnlyList<UsergridUser> Entities,
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("cursor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cursor = null);
