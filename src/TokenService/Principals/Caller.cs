using System.Reflection;

namespace TokenService.Principals;

/// <summary>Kinds of principal; what differs between them is in <see cref="PrincipalKinds"/>.</summary>
public enum PrincipalType
{
    Guest,
    AdminUser,
    OrgClient,
    AppClient,
    AppUser,
    ResourceServer,
    Superuser,
}

/// <summary>
/// Who is calling, resolved once per request from whatever credential it carried (by the callers room, through
/// <see cref="ICallerResolution"/>); every rule about powers reads this and nothing else.
/// </summary>
/// <param name="Type">The kind of principal.</param>
/// <param name="Subject">Client id or user id; empty for a guest.</param>
/// <param name="OrgId">Tenant organization, when the principal belongs to one.</param>
/// <param name="Org">Organization name.</param>
/// <param name="AppId">Application, for app clients and app users.</param>
/// <param name="App">Application name.</param>
/// <param name="Username">User name, for users.</param>
public sealed record Caller(
    PrincipalType Type,
    string Subject,
    Guid? OrgId = null,
    string? Org = null,
    Guid? AppId = null,
    string? App = null,
    string? Username = null)
{
    /// <summary>
    /// The organizations an admin user belongs to, read when the request is resolved (not stamped on its token),
    /// so that removing an admin from an organization takes effect at once.
    /// </summary>
    public IReadOnlyList<Membership> Memberships { get; init; } = [];

    /// <summary>A request without credentials.</summary>
    public static Caller Guest { get; } = new(PrincipalType.Guest, "");

    /// <summary>
    /// Lets minimal-API handlers take the resolved caller as a parameter. Binding runs before endpoint
    /// filters, so both share one resolution per request; a failed one never reaches the handler
    /// because the endpoint filter that requires a caller answers it first.
    /// </summary>
    public static async ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await context.RequestServices.GetRequiredService<ICallerResolution>().CallerOfAsync(context);
    }
}

/// <summary>
/// Resolves the caller of a request once, whatever asks first. Defined here, beside <see cref="Caller"/>, so that
/// anything may take a caller; implemented by the room that understands credentials.
/// </summary>
public interface ICallerResolution
{
    /// <summary>The request's caller (<see cref="Caller.Guest"/> when it carried no credential or a failed one).</summary>
    ValueTask<Caller> CallerOfAsync(HttpContext context);
}

/// <summary>An organization an admin user administers.</summary>
public sealed record Membership(Guid OrgId, string Org);
