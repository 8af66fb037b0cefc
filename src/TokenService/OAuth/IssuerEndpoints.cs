using Microsoft.Extensions.Options;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// With <c>Tokens:Issuer</c> set, discovery names every endpoint under that public name. OpenIddict builds them from
/// the host each request used — an instance's own address behind a balancer, which clients cannot reach — and only
/// the <c>issuer</c> itself followed the setting.
/// </summary>
public sealed class IssuerEndpoints(IOptions<Options.TokenLifetimeOptions> options) : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<IssuerEndpoints>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (options.Value.Issuer is not { } issuer || context.BaseUri is not { } requestBase)
        {
            return default;
        }

        // Relative URIs resolve against the issuer's last segment only when it ends with a slash: "https://x/auth"
        // must give "https://x/auth/token", not "https://x/token".
        var root = issuer.AbsoluteUri.EndsWith('/') ? issuer : new Uri(issuer.AbsoluteUri + "/");
        Uri? Rebase(Uri? endpoint) =>
            endpoint is { IsAbsoluteUri: true } && requestBase.IsBaseOf(endpoint)
                ? new Uri(root, requestBase.MakeRelativeUri(endpoint))
                : endpoint;

        context.TokenEndpoint = Rebase(context.TokenEndpoint);
        context.IntrospectionEndpoint = Rebase(context.IntrospectionEndpoint);
        context.RevocationEndpoint = Rebase(context.RevocationEndpoint);
        context.JsonWebKeySetEndpoint = Rebase(context.JsonWebKeySetEndpoint);
        return default;
    }
}
