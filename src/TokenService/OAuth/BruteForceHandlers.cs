using System.Globalization;
using System.Net;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using TokenService.Audit;
using TokenService.Security;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Brute-force protection on OpenIddict's endpoints (<c>/token</c>, <c>/introspect</c>, <c>/revoke</c>, and the
/// Usergrid token paths rewritten onto <c>/token</c>): a locked caller is refused before any secret or password is
/// checked, every <c>invalid_client</c> and failed password is counted, and a refusal is answered 429 with
/// <c>Retry-After</c> and the OAuth error body.
/// </summary>
public static class BruteForceHandlers
{
    private const string RetryAfterProperty = "TokenService:RetryAfter";

    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors { get; } =
    [
        Refuse<ValidateTokenRequestContext>(),
        Refuse<ValidateIntrospectionRequestContext>(),
        Refuse<ValidateRevocationRequestContext>(),
        Count<ApplyTokenResponseContext>(),
        Count<ApplyIntrospectionResponseContext>(),
        Count<ApplyRevocationResponseContext>(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<ChargeCredential>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientSecret.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build(),
        Answer<ApplyTokenResponseContext>(),
        Answer<ApplyIntrospectionResponseContext>(),
        Answer<ApplyRevocationResponseContext>(),
    ];

    private static OpenIddictServerHandlerDescriptor Refuse<TContext>() where TContext : BaseValidatingClientContext =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<RefuseLockedCallers<TContext>>()
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    private static OpenIddictServerHandlerDescriptor Count<TContext>() where TContext : BaseRequestContext =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<CountOutcome<TContext>>()
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    private static OpenIddictServerHandlerDescriptor Answer<TContext>() where TContext : BaseRequestContext =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<AnswerTooManyRequests<TContext>>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.AttachHttpResponseCode<TContext>.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    private static IPAddress? Address(BaseContext context) =>
        context.Transaction.GetHttpRequest()?.HttpContext.Connection.RemoteIpAddress;

    private static IEnumerable<string> Identities(OpenIddictRequest request)
    {
        yield return BruteForce.ClientIdentity(request.ClientId);
        if (request.IsPasswordGrantType())
        {
            yield return BruteForce.UserIdentity(request.ClientId, request.Username);
        }
    }

    /// <summary>First of the validation stage: a locked (identity, address) or address goes no further.</summary>
    public sealed class RefuseLockedCallers<TContext>(FailedAttempts attempts) : IOpenIddictServerHandler<TContext>
        where TContext : BaseValidatingClientContext
    {

        public ValueTask HandleAsync(TContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var address = Address(context);
            var wait = context.Transaction.Request is { } request
                ? Identities(request).Select(identity => attempts.RetryAfter(identity, address)).Max()
                : attempts.RetryAfter(address);
            if (wait is { } retryAfter)
            {
                var seconds = BruteForce.WholeSeconds(retryAfter);
                context.Transaction.Properties[RetryAfterProperty] = seconds;
                context.Reject(BruteForce.Error, BruteForce.Refusal(seconds));
            }

            return default;
        }
    }

    /// <summary>
    /// Right after OpenIddict accepted the client's secret — before the token, whatever it is, is looked at: the
    /// request is charged to the client's budget instead of its address's (so a resource server asking about unknown
    /// tokens is not charged per address), and refused past the budget before any token work.
    /// </summary>
    public sealed class ChargeCredential(RequestBudgets budgets, Microsoft.Extensions.Options.IOptionsMonitor<Options.RateLimitOptions> limits)
        : IOpenIddictServerHandler<ProcessAuthenticationContext>
    {
        public ValueTask HandleAsync(ProcessAuthenticationContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.Transaction.Request is { ClientId: { } clientId, ClientSecret.Length: > 0 } &&
                context.Transaction.GetHttpRequest()?.HttpContext is { } http && !RequestBudgets.IsAuthenticated(http) &&
                !budgets.TryTakeForCredential(http, clientId))
            {
                RefuseOverBudget(context, limits.CurrentValue.CredentialPerSecond);
            }

            return default;
        }
    }

    /// <summary>Refuses a request whose credential is past its budget: 429 with <c>Retry-After</c>, like a brute-force refusal.</summary>
    public static void RefuseOverBudget(BaseValidatingContext context, int perSecond)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Transaction.Properties[RetryAfterProperty] = 1L;
        context.Reject(BruteForce.Error, RequestBudgets.CredentialRefusal(perSecond));
    }

    /// <summary>Counts every failed client authentication and password; a success clears its own counter.</summary>
    public sealed class CountOutcome<TContext>(FailedAttempts attempts) : IOpenIddictServerHandler<TContext>
        where TContext : BaseRequestContext
    {

        public async ValueTask HandleAsync(TContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.Transaction.Request is not { } request || context.Transaction.Properties.ContainsKey(RetryAfterProperty))
            {
                return;
            }

            var address = Address(context);

            // Resolved only when there is something to record: successful requests must not pay for it.
            AuditLog Audits() => context.Transaction.GetHttpRequest()!.HttpContext.RequestServices.GetRequiredService<AuditLog>();
            Callers.ClientDirectory Directory() => context.Transaction.GetHttpRequest()!.HttpContext.RequestServices.GetRequiredService<Callers.ClientDirectory>();
            switch (context.Transaction.Response?.Error)
            {
                case Errors.InvalidClient:
                    await Callers.FailedAuthentication.RecordAsync(attempts, Audits(), Directory(), BruteForce.ClientIdentity(request.ClientId), address, request.ClientId,
                        "client:" + request.ClientId, "client authentication failed");
                    break;
                case Errors.InvalidGrant when request.IsPasswordGrantType():
                    await Callers.FailedAuthentication.RecordAsync(attempts, Audits(), Directory(), BruteForce.UserIdentity(request.ClientId, request.Username), address, request.ClientId,
                        "user:" + request.Username, "password grant refused");
                    break;
                case null when context.Transaction.EndpointType == OpenIddictServerEndpointType.Token:
                    foreach (var identity in Identities(request))
                    {
                        await attempts.RecordSuccessAsync(identity, address);
                    }

                    break;
            }
        }
    }

    /// <summary>After OpenIddict chose the status code: a refusal becomes 429 with <c>Retry-After</c>.</summary>
    public sealed class AnswerTooManyRequests<TContext> : IOpenIddictServerHandler<TContext>
        where TContext : BaseRequestContext
    {

        public ValueTask HandleAsync(TContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.Transaction.Properties.TryGetValue(RetryAfterProperty, out var value) && value is long seconds &&
                context.Transaction.GetHttpRequest()?.HttpContext.Response is { } response)
            {
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            return default;
        }
    }
}
