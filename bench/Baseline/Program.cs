// A plain OpenIddict server configured the way the openiddict-samples configure one: EF Core on SQLite, default
// options (JWT access tokens encrypted and signed with the development certificates, token storage on, PBKDF2
// client secrets), a passthrough token endpoint and introspection. It is the baseline, so it is left unoptimised.
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

var builder = WebApplication.CreateBuilder(args);
var database = builder.Configuration["Database"] ?? Path.Combine(Path.GetTempPath(), "openiddict-baseline.sqlite3");

builder.Services.AddDbContext<DbContext>(options =>
{
    options.UseSqlite($"Filename={database}");
    options.UseOpenIddict();
});

builder.Services.AddOpenIddict()
    .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<DbContext>())
    .AddServer(options =>
    {
        options.SetTokenEndpointUris("connect/token").SetIntrospectionEndpointUris("connect/introspect");
        options.AllowClientCredentialsFlow();
        options.AddDevelopmentEncryptionCertificate().AddDevelopmentSigningCertificate();
        options.UseAspNetCore().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();
    });

var app = builder.Build();

await using (var scope = app.Services.CreateAsyncScope())
{
    await scope.ServiceProvider.GetRequiredService<DbContext>().Database.EnsureCreatedAsync();
    var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
    if (await manager.FindByClientIdAsync("console") is null)
    {
        await manager.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = "console",
            ClientSecret = "388D45FA-B36B-4988-BA59-B187D329C207",
            Permissions =
            {
                Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.GrantTypes.ClientCredentials,
            },
        });
    }
}

app.MapPost("connect/token", async (HttpContext context, IOpenIddictApplicationManager manager) =>
{
    var request = context.GetOpenIddictServerRequest()!;
    var application = await manager.FindByClientIdAsync(request.ClientId!) ?? throw new InvalidOperationException();
    var identity = new ClaimsIdentity("OpenIddict", Claims.Name, Claims.Role);
    identity.SetClaim(Claims.Subject, await manager.GetClientIdAsync(application));
    identity.SetClaim(Claims.Name, await manager.GetDisplayNameAsync(application));
    identity.SetDestinations(static _ => [Destinations.AccessToken]);
    return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
});

app.Run();
