using Microsoft.AspNetCore.Http.HttpResults;
using TokenService.Api;
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
        users.MapMethods("/{user}/revoketokens", ["PUT", "POST"], AppUsersApi.RevokeTokensAsync).WithSummary("Revoke every token of an app user (Usergrid path)");
        users.MapMethods("/{user}/revoketoken", ["PUT", "POST"], AppUsersApi.RevokeTokenAsync).WithSummary("Revoke one token of an app user (?token=, Usergrid path)");
        return users;
    }

    internal static async Task<Results<Ok<UsergridEnvelope>, Refusal>> CreateAsync(
        string org, string app, CreateUserRequest? body, Caller caller, AppUserOperations users, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var outcome = await users.CreateAsync(caller, org, app, body, cancellationToken);
        return outcome.Refused ? outcome.Refusal : Envelope("post", org, app, [outcome.Value.User], clock);
    }

    internal static async Task<Results<Ok<UsergridEnvelope>, Refusal>> ListAsync(
        string org, string app, [AsParameters] PageRequest page, Caller caller, AppUserOperations users, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var outcome = await users.ListAsync(caller, org, app, page, cancellationToken);
        return outcome.Refused ? outcome.Refusal : Envelope("get", org, app, outcome.Value.Items, clock, outcome.Value.Cursor);
    }

    internal static async Task<Results<Ok<UsergridEnvelope>, Refusal>> GetAsync(
        string org, string app, string user, Caller caller, AppUserOperations users, TimeProvider clock, CancellationToken cancellationToken) =>
        Respond("get", org, app, await users.GetAsync(caller, org, app, user, cancellationToken), clock);

    internal static async Task<Results<Ok<UsergridEnvelope>, Refusal>> UpdateAsync(
        string org, string app, string user, UpdateUserRequest? body, Caller caller, AppUserOperations users, TimeProvider clock,
        CancellationToken cancellationToken) =>
        Respond("put", org, app, await users.UpdateAsync(caller, org, app, user, body, cancellationToken), clock);

    internal static async Task<Results<Ok<UsergridEnvelope>, Refusal>> DeleteAsync(
        string org, string app, string user, Caller caller, AppUserOperations users, TimeProvider clock, CancellationToken cancellationToken) =>
        Respond("delete", org, app, await users.DeleteAsync(caller, org, app, user, cancellationToken), clock);

    private static Results<Ok<UsergridEnvelope>, Refusal> Respond(string action, string org, string app, Outcome<AppUser> outcome, TimeProvider clock) =>
        outcome.Refused ? outcome.Refusal : Envelope(action, org, app, [outcome.Value], clock);

    private static Ok<UsergridEnvelope> Envelope(
        string action, string org, string app, IEnumerable<AppUser> users, TimeProvider clock, string? cursor = null) =>
        TypedResults.Ok(new UsergridEnvelope(action, "/users", org, app, users.Select(UsergridUser.From).ToList(),
            clock.GetUtcNow().ToUnixTimeMilliseconds(), cursor));
}
