using Microsoft.AspNetCore.Http.HttpResults;
using TokenService.Api;
using TokenService.Principals;
using TokenService.Users;

namespace TokenService.Management;

/// <summary><c>/management/orgs/{org}/apps/{app}/users</c>: app users and their tokens, as plain REST.</summary>
public static class AppUsersApi
{
    public static RouteGroupBuilder MapAppUsers(this RouteGroupBuilder management)
    {
        ArgumentNullException.ThrowIfNull(management);
        var users = management.MapGroup("/orgs/{org}/apps/{app}/users").WithTags("App users");
        users.MapPost("/", CreateAsync).ProducesConflict().WithSummary("Create an app user (app admins; anyone on an open app such as sandbox)");
        users.MapGet("/", ListAsync).WithSummary("List an app's users (app admins)");
        users.MapGet("/{user}", GetAsync).WithSummary("Read an app user by uuid, username or 'me' (app admins, or the user itself)");
        users.MapPut("/{user}", UpdateAsync).ProducesConflict().WithSummary("Change an app user (activated, email, name, password); deactivation revokes its tokens");
        users.MapDelete("/{user}", DeleteAsync).WithSummary("Delete an app user, revoking its tokens");
        users.MapMethods("/{user}/revoketokens", ["PUT", "POST"], RevokeTokensAsync).WithSummary("Revoke every token of an app user (app admins, or the user itself)");
        users.MapMethods("/{user}/revoketoken", ["PUT", "POST"], RevokeTokenAsync).WithSummary("Revoke one token of an app user (?token=); 404 if it is not that user's");
        return users;
    }

    internal static async Task<Results<Created<AppUserResponse>, Refusal>> CreateAsync(
        string org, string app, CreateUserRequest? body, Caller caller, AppUserOperations users, CancellationToken cancellationToken)
    {
        var outcome = await users.CreateAsync(caller, org, app, body, cancellationToken);
        return outcome.Refused
            ? outcome.Refusal
            : TypedResults.Created($"/management/orgs/{org}/apps/{app}/users/{outcome.Value.User.Id}", AppUserResponse.From(outcome.Value.User, org, app));
    }

    internal static async Task<Results<Ok<Page<AppUserResponse>>, Refusal>> ListAsync(
        string org, string app, [AsParameters] PageRequest page, Caller caller, AppUserOperations users, CancellationToken cancellationToken)
    {
        var outcome = await users.ListAsync(caller, org, app, page, cancellationToken);
        return outcome.Refused
            ? outcome.Refusal
            : TypedResults.Ok(new Page<AppUserResponse>(outcome.Value.Items.Select(u => AppUserResponse.From(u, org, app)).ToList(), outcome.Value.Cursor));
    }

    internal static async Task<Results<Ok<AppUserResponse>, Refusal>> GetAsync(
        string org, string app, string user, Caller caller, AppUserOperations users, CancellationToken cancellationToken) =>
        Respond(await users.GetAsync(caller, org, app, user, cancellationToken), org, app);

    internal static async Task<Results<Ok<AppUserResponse>, Refusal>> UpdateAsync(
        string org, string app, string user, UpdateUserRequest? body, Caller caller, AppUserOperations users, CancellationToken cancellationToken) =>
        Respond(await users.UpdateAsync(caller, org, app, user, body, cancellationToken), org, app);

    internal static async Task<Results<Ok<AppUserResponse>, Refusal>> DeleteAsync(
        string org, string app, string user, Caller caller, AppUserOperations users, CancellationToken cancellationToken) =>
        Respond(await users.DeleteAsync(caller, org, app, user, cancellationToken), org, app);

    internal static async Task<Results<Ok<RevokedResponse>, Refusal>> RevokeTokensAsync(
        string org, string app, string user, Caller caller, AppUserOperations users, CancellationToken cancellationToken)
    {
        var outcome = await users.RevokeTokensAsync(caller, org, app, user, cancellationToken);
        return outcome.Refused ? outcome.Refusal : TypedResults.Ok(new RevokedResponse(outcome.Value));
    }

    internal static async Task<Results<Ok<RevokedResponse>, Refusal>> RevokeTokenAsync(
        string org, string app, string user, string? token, Caller caller, AppUserOperations users, CancellationToken cancellationToken)
    {
        var outcome = await users.RevokeTokenAsync(caller, org, app, user, token, cancellationToken);
        return outcome.Refused ? outcome.Refusal : TypedResults.Ok(new RevokedResponse(1));
    }

    private static Results<Ok<AppUserResponse>, Refusal> Respond(Outcome<Data.Entities.AppUser> outcome, string org, string app) =>
        outcome.Refused ? outcome.Refusal : TypedResults.Ok(AppUserResponse.From(outcome.Value, org, app));
}
