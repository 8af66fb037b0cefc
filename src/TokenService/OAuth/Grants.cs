using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using TokenService.Callers;
using TokenService.Principals;
using TokenService.Tokens;
using TokenService.Users;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Signs a principal in once a grant has decided who it is: applies the TTL policy, stamps the tenant on the
/// token and asks for a refresh token where the grant allows one. Every grant ends here.
/// </summary>
public sealed class GrantIssuer(TtlPolicy ttlPolicy, Security.RequestBudgets budgets,
    Microsoft.Extensions.Options.IOptionsMonitor<Options.RateLimitOptions> limits, Audit.IssuanceAudit audit, IEnumerable<IGrantRule> rules)
{
    /// <summary>Grants run once OpenIddict has attached the validated principals (e.g. the refresh token's).</summary>
    public static int GrantOrder { get; } = OpenIddictServerHandlers.Exchange.AttachPrincipal.Descriptor.Order + 1_000;

    private const string IssuedTo = "TokenService:IssuedTo";

    /// <summary>Who the token of this transaction was issued to (for the Usergrid paths' tenant rule and response shapes).</summary>
    public static Caller? IssuedToOf(OpenIddictServerTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.Properties.TryGetValue(IssuedTo, out var value) ? value as Caller : null;
    }

    public async ValueTask SignInAsync(HandleTokenRequestContext context, Caller caller, bool refreshable)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        foreach (var rule in rules)
        {
            if (rule.Refuse(context, caller) is { } refusal)
            {
                context.Reject(Errors.InvalidGrant, refusal);
                return;
            }
        }

        // A user who proved a password or a refresh token is an authenticated caller: charged to the user's budget
        // (clients were charged when their secret was accepted).
        if (PrincipalKinds.Of(caller.Type).IsUser &&
            context.Transaction.GetHttpRequest()?.HttpContext is { } http && !budgets.TryTakeForCredential(http, caller.Subject))
        {
            OAuth.BruteForceHandlers.RefuseOverBudget(context, limits.CurrentValue.CredentialPerSecond);
            return;
        }

        if (!TokenRequests.TryGetTtl(context.Request, out var requestedTtl))
        {
            context.Reject(Errors.InvalidRequest, "ttl must be sent at most once.");
            return;
        }

        var decision = await ttlPolicy.DecideAsync(caller, requestedTtl, context.CancellationToken);
        if (decision.Error is not null)
        {
            context.Reject(Errors.InvalidRequest, decision.Error);
            return;
        }

        var principal = TokenClaims.CreatePrincipal(caller);
        if (refreshable)
        {
            // offline_access is what makes OpenIddict issue a refresh token with the access token.
            principal.SetScopes(Scopes.OfflineAccess);
        }

        if (decision.Lifetime is { } lifetime)
        {
            // Whole seconds for OpenIddict's own bookkeeping; ExactLifetime applies the milliseconds.
            principal.SetAccessTokenLifetime(TimeSpan.FromSeconds(Math.Ceiling(lifetime.TotalSeconds)));
        }

        ExactLifetime.Grant(context.Transaction, decision.Lifetime);
        context.Transaction.Properties[IssuedTo] = caller;

        // The tenant of the token's audit event is the caller's (for the management client's admins, none).
        audit.Raise(caller.OrgId, context.ClientId,
            context.Transaction.GetHttpRequest()?.HttpContext.Connection.RemoteIpAddress?.ToString());
        context.SignIn(principal);
    }
}

/// <summary>
/// Counts a token once OpenIddict has made and stored it (its answer is being prepared), not when a grant signs in,
/// which a later step (storing it, a refused lifetime) can still undo. An answer that fails after this point still
/// leaves a stored, usable token: counted.
/// </summary>
public sealed class CountIssuedTokens(Telemetry.ServiceMetrics metrics) : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<CountIssuedTokens>()
            .SetOrder(int.MinValue + 50_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Error is null && !string.IsNullOrEmpty(context.Response.AccessToken) &&
            GrantIssuer.IssuedToOf(context.Transaction) is { } caller)
        {
            metrics.TokenIssued(context.Request?.GrantType ?? "", PrincipalKinds.Of(caller.Type).WireName);
        }

        return default;
    }
}

/// <summary>
/// A rule the principal of a grant must pass before anything is charged or decided for it, added by a room above
/// this one (Compat's tenant rule of Usergrid's app paths). A refusal is answered <c>invalid_grant</c>.
/// </summary>
public interface IGrantRule
{
    /// <summary>Why <paramref name="caller"/> may not have a token from this request, or <c>null</c>.</summary>
    string? Refuse(HandleTokenRequestContext context, Caller caller);
}

/// <summary>
/// <c>client_credentials</c>: OpenIddict has authenticated the client and checked its permissions; org and app
/// clients get a token of their own.
/// </summary>
public sealed class ClientCredentialsGrant(ClientDirectory directory, GrantIssuer issuer)
    : IOpenIddictServerHandler<HandleTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleTokenRequestContext>()
            .UseScopedHandler<ClientCredentialsGrant>()
            .SetOrder(GrantIssuer.GrantOrder)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.IsClientCredentialsGrantType())
        {
            return;
        }

        var caller = await directory.FindAsync(context.ClientId!, context.CancellationToken);
        if (caller is null || !PrincipalKinds.Of(caller.Type).ObtainsOwnTokens)
        {
            context.Reject(Errors.UnauthorizedClient, "This client may not obtain tokens of its own.");
            return;
        }

        await issuer.SignInAsync(context, caller, refreshable: false);
    }
}

/// <summary>
/// <c>password</c>: an app user signs in through its app's client (the app client, or the app's public client
/// on Usergrid's app path); an admin user through the <c>management</c> client of <c>/management/token</c>.
/// </summary>
public sealed class PasswordGrant(ClientDirectory directory, UserAccounts users, GrantIssuer issuer)
    : IOpenIddictServerHandler<HandleTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleTokenRequestContext>()
            .UseScopedHandler<PasswordGrant>()
            .SetOrder(GrantIssuer.GrantOrder)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.IsPasswordGrantType())
        {
            return;
        }

        var (username, password) = (context.Request.Username!, context.Request.Password!);
        if (context.ClientId == ClientDirectory.ManagementClientId)
        {
            var admin = await users.SignInAdminAsync(username, password, context.CancellationToken);
            if (admin is null)
            {
                context.Reject(Errors.InvalidGrant, "The username or password is incorrect, or the user is not activated.");
                return;
            }

            // A server-side sign-in that keeps only the access token (the portal's) gets no refresh token to leave behind.
            var refreshable = context.Transaction.GetHttpRequest()?.HttpContext.Features.Get<AccessTokenOnly>() is null;
            await issuer.SignInAsync(context, new Caller(PrincipalType.AdminUser, admin.Id.ToString(), Username: admin.Username), refreshable);
            return;
        }

        var app = await directory.FindUserAppAsync(context.ClientId!, context.CancellationToken);
        if (app is null && context.ClientId != ClientDirectory.NowhereClientId)
        {
            context.Reject(Errors.UnauthorizedClient, "This client does not sign in users.");
            return;
        }

        // For an app that does not exist, the same work and the same answer as a wrong password: no user belongs to
        // the empty id, and the password is still checked against a dummy hash.
        var user = await users.SignInAppUserAsync(app?.AppId ?? Guid.Empty, username, password, context.CancellationToken);
        if (user is null)
        {
            context.Reject(Errors.InvalidGrant, "The username or password is incorrect, or the user is not activated.");
            return;
        }

        await issuer.SignInAsync(context,
            new Caller(PrincipalType.AppUser, user.Id.ToString(), app!.OrgId, app.Org, app.AppId, app.App, user.Username),
            refreshable: true);
    }
}

/// <summary>
/// A request feature set by a room above that signs an admin user in on the server and keeps only the access token
/// (the portal's session): the password grant then issues no refresh token.
/// </summary>
public sealed class AccessTokenOnly
{
    public static readonly AccessTokenOnly Instance = new();

    private AccessTokenOnly()
    {
    }
}

/// <summary>
/// <c>refresh_token</c>: OpenIddict has validated the refresh token (status, expiry, presenter). The user is read
/// again, so a deleted or deactivated user cannot refresh, and the new token gets the lifetime in force now.
/// </summary>
public sealed class RefreshTokenGrant(UserAccounts users, GrantIssuer issuer)
    : IOpenIddictServerHandler<HandleTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleTokenRequestContext>()
            .UseScopedHandler<RefreshTokenGrant>()
            .SetOrder(GrantIssuer.GrantOrder)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.IsRefreshTokenGrantType())
        {
            return;
        }

        var previous = context.RefreshTokenPrincipal is { } refresh ? TokenClaims.ReadCaller(refresh) : null;
        var current = previous?.Type switch
        {
            PrincipalType.AdminUser when Guid.TryParse(previous.Subject, out var id) &&
                await users.FindAdminAsync(id.ToString(), context.CancellationToken) is { Activated: true } admin
                => previous with { Username = admin.Username },
            PrincipalType.AppUser when Guid.TryParse(previous.Subject, out var id) && previous.AppId is { } appId &&
                await users.FindAppUserAsync(appId, id.ToString(), context.CancellationToken) is { Activated: true } user
                => previous with { Username = user.Username },
            _ => null,
        };
        if (current is null)
        {
            context.Reject(Errors.InvalidGrant, "The refresh token is no longer valid.");
            return;
        }

        await issuer.SignInAsync(context, current, refreshable: true);
    }
}

/// <summary>Reading the service's own token request parameters.</summary>
public static class TokenRequests
{
    /// <summary>The raw <c>ttl</c> parameter; false when it was sent more than once.</summary>
    public static bool TryGetTtl(OpenIddictRequest request, out string? ttl)
    {
        ArgumentNullException.ThrowIfNull(request);
        ttl = null;
        if (request.GetParameter("ttl") is not { } parameter)
        {
            return true;
        }

        // Form-encoded duplicates arrive as an array: refuse them rather than guess which value was meant.
        var values = (Microsoft.Extensions.Primitives.StringValues?)parameter;
        if (values is { Count: > 1 })
        {
            return false;
        }

        ttl = values is { Count: 1 } single ? single[0] : (string?)parameter;
        return true;
    }
}
