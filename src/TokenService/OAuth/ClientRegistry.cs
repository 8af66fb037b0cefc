using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using TokenService.Callers;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.OAuth;

/// <summary>What a kind of client may do at the protocol endpoints.</summary>
public enum ClientKind
{
    /// <summary>Org and app clients: obtain tokens, introspect and revoke within their tenant.</summary>
    Tenant,

    /// <summary>A resource server: introspection only (least privilege for APIs).</summary>
    ResourceServer,

    /// <summary>The configured superuser: introspect and revoke anything, never obtains client tokens.</summary>
    Superuser,
}

/// <summary>
/// Creates OpenIddict clients, regenerates and removes them. OpenIddict stores the secret as a salted
/// PBKDF2 hash; the plain secret exists only in the response that creates or regenerates it.
/// </summary>
public sealed class ClientRegistry(IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens)
{
    /// <summary>Registers a client with a fresh id of the given prefix and a fresh secret.</summary>
    public async Task<ClientCredentials> CreateAsync(
        string prefix, ClientKind kind, string displayName, CancellationToken cancellationToken = default)
    {
        var credentials = new ClientCredentials(prefix + NewRandom(16), NewRandom(32));
        await CreateAsync(credentials.ClientId, credentials.ClientSecret, kind, displayName, cancellationToken);
        return credentials;
    }

    /// <summary>Registers a client with the given id and secret.</summary>
    public async Task CreateAsync(
        string clientId, string secret, ClientKind kind, string displayName, CancellationToken cancellationToken = default)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = displayName,
        };
        descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        if (kind is ClientKind.Tenant or ClientKind.Superuser)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        }

        if (kind is ClientKind.Tenant)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Token);
            descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
        }

        await applications.CreateAsync(descriptor, cancellationToken);
    }

    /// <summary>
    /// Replaces a client's secret: the old one fails from the next request on.
    /// With <paramref name="revokeTokens"/>, every token issued to the client is revoked too.
    /// </summary>
    public async Task<string> RegenerateSecretAsync(
        string clientId, bool revokeTokens, CancellationToken cancellationToken = default)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken)
            ?? throw new InvalidOperationException($"Client {clientId} is not registered.");
        var secret = NewRandom(32);
        await applications.UpdateAsync(application, secret, cancellationToken);
        if (revokeTokens)
        {
            await tokens.RevokeByApplicationIdAsync(
                (await applications.GetIdAsync(application, cancellationToken))!, cancellationToken);
        }

        return secret;
    }

    /// <summary>Revokes every token issued to a client; returns how many were revoked.</summary>
    public async Task<long> RevokeTokensAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        return application is null
            ? 0
            : await tokens.RevokeByApplicationIdAsync(
                (await applications.GetIdAsync(application, cancellationToken))!, cancellationToken);
    }

    /// <summary>Revokes a client's tokens and removes the client.</summary>
    public async Task DeleteAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return;
        }

        await tokens.RevokeByApplicationIdAsync(
            (await applications.GetIdAsync(application, cancellationToken))!, cancellationToken);
        await applications.DeleteAsync(application, cancellationToken);
    }

    /// <summary>
    /// The single secret verifier: OpenIddict's client authentication at the protocol endpoints and
    /// credential resolution on the management API both end in the application manager, so a rotation
    /// takes effect for both at once.
    /// </summary>
    public async Task<bool> VerifySecretAsync(string clientId, string secret, CancellationToken cancellationToken = default)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        return application is not null &&
               await applications.ValidateClientSecretAsync(application, secret, cancellationToken);
    }

    private static string NewRandom(int bytes) => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(bytes));
}

/// <summary>A client id with its secret, as shown once to whoever created or regenerated it.</summary>
public sealed record ClientCredentials(string ClientId, string ClientSecret);
