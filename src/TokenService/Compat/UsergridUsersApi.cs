using TokenService.Data.Entities;
using TokenService.Management;
using TokenService.Principals;
using TokenService.Users;

namespace TokenService.Compat;

/// <summary>
/// Usergrid's <c>/{org}/{app}/users</c> paths: the same operations as the management API's app users, answered
/// in Usergrid's shapes (the <c>entities</c> envelope, 200 on creation) that existing clients rely on.
/// </summary>
public static class UsergridUsersApi
{
    public static RouteGroupBuilder MapUsergridUsers(this RouteGroupBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var users = app.MapGroup("/users");
        users.MapPost("/", CreateAsync).WithSummary("Create an app user (Usergrid path; a guest may on an open app)");
        users.MapGet("/", ListAsync).WithSummary("List an app's users (Usergrid path)");
        users.MapGet("/{user}", GetAsync).WithSummary("Read an app user by uuid, username or 'me' (Usergrid path)");
        users.MapPut("/{user}", UpdateAsync).WithSummary("Change an app user (Usergrid path)");
        users.MapDelete("/{user}", DeleteAsync).WithSummary("Delete an app user (Usergrid path)");
        users.MapMethods("/{user}/revoketokens", ["PUT", "POST"], RevokeTokensAsync).WithSummary("Revoke every token of an app user (Usergrid path)");
        users.MapMethods("/{user}/revoketoken", ["PUT", "POST"], RevokeTokenAsync).WithSummary("Revoke one token of an app user (?token=, Usergrid path)");
        return users;
    }

    internal static async Task<IResult> CreateAsync(
        string org, string app, CreateUserRequest? body, Caller caller, AppUserOperations users, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var outcome = await users.CreateAsync(caller, org, app, body, cancellationToken);
        return outcome.Refusal ?? Envelope("post", "/users", org, app, [outcome.Value.User], clock);
    }

    internal static async Task<IResult> ListAsync(
        string org, string app, int? limit, string? cursor, Caller caller, AppUserOperations users, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var outcome = await users.ListAsync(caller, org, app, limit, cursor, cancellationToken);
        return outcome.Refusal ?? Envelope("get", "/users", org, app, outcome.Value!.Items, clock, outcome.Value.Cursor);
    }

    internal static async Task<IResult> GetAsync(
        string org, string app, string user, Caller caller, AppUserOperations users, TimeProvider clock, CancellationToken cancellationToken) =>
        Respond("get", org, app, await users.GetAsync(caller, org, app, user, cancellationToken), clock);

    internal static async Task<IResult> UpdateAsync(
        string org, string app, string user, UpdateUserRequest? body, Caller caller, AppUserOperations users, TimeProvider clock,
        CancellationToken cancellationToken) =>
        Respond("put", org, app, await users.UpdateAsync(caller, org, app, user, body, cancellationToken), clock);

    internal static async Task<IResult> DeleteAsync(
        string org, string app, string user, Caller caller, AppUserOperations users, TimeProvider clock, CancellationToken cancellationToken) =>
        Respond("delete", org, app, await users.DeleteAsync(caller, org, app, user, cancellationToken), clock);

    internal static Task<IResult> RevokeTokensAsync(
        string org, string app, string user, Caller caller, AppUserOperations users, CancellationToken cancellationToken) =>
        AppUsersApi.RevokeTokensAsync(org, app, user, caller, users, cancellationToken);

    internal static Task<IResult> RevokeTokenAsync(
        string org, string app, string user, string? token, Caller caller, AppUserOperations users, CancellationToken cancellationToken) =>
        AppUsersApi.RevokeTokenAsync(org, app, user, token, caller, users, cancellationToken);

    private static IResult Respond(string action, string org, string app, Outcome<AppUser> outcome, TimeProvider clock) =>
        outcome.Refusal ?? Envelope(action, "/users", org, app, [outcome.Value!], clock);

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<UsergridEnvelope> Envelope(
        string action, string path, string org, string app, IEnumerable<AppUser> users, TimeProvider clock, string? cursor = null) =>
        TypedResults.Ok(new UsergridEnvelope(action, path, org, app, users.Select(UsergridUser.From).ToList(),
            clock.GetUtcNow().ToUnixTimeMilliseconds(), cursor));
}
