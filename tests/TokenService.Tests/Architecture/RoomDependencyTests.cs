using System.Text.RegularExpressions;
using Mono.Cecil;
using TokenService.Tests.Data;

namespace TokenService.Tests.Architecture;

/// <summary>
/// The rooms of the service (its top-level folders, one namespace each) depend one way: host → endpoints → domain →
/// storage. Read from the compiled assembly — every type, signature, attribute and instruction that names a type of
/// another room — so that a dependency cannot hide behind a fully qualified name or a <c>var</c>.
/// </summary>
public sealed partial class RoomDependencyTests
{
    /// <summary>
    /// Top to bottom: a room may use the rooms after it, never one before it. A new room must be placed here.
    /// </summary>
    private static readonly string[] Rooms =
    [
        "Hosting",                                   // the host: composition, middleware order, OpenAPI
        "Portal",                                    // the admin portal: pages over the management API's handlers
        "Access", "Compat", "Management", "OAuth",   // endpoints (Compat builds on Management's and OAuth's)
        "Tenants", "Callers", "Users", "Tokens",     // domain, upper: tenants, who is calling, users, tokens and clients
        "Maintenance", "Security", "Audit",          // domain, lower: pruning, brute force and budgets, the audit log
        "Api", "Principals",                         // shared words: error bodies and pages; principal kinds, callers, powers
        "Database", "Options",                       // storage and settings
        "Telemetry",                                 // the service's meter: raised from every room, depends on none
    ];

    [Fact]
    public void Rooms_DependOnlyOnRoomsBelowThem()
    {
        // Arrange
        var edges = RoomEdges();

        // Act: every edge that points up (or to a room nobody placed).
        var upward = edges
            .Where(e => Array.IndexOf(Rooms, e.From) < 0 || Array.IndexOf(Rooms, e.To) < 0 || Array.IndexOf(Rooms, e.From) > Array.IndexOf(Rooms, e.To))
            .Select(e => $"{e.From} → {e.To} ({string.Join(", ", e.Through.Take(5))})")
            .ToList();

        // Assert
        Assert.True(upward.Count == 0, "Rooms that depend upward or are not placed:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void NoTwoRooms_DependOnEachOther()
    {
        var edges = RoomEdges().Select(e => (e.From, e.To)).ToHashSet();

        var mutual = edges.Where(e => string.CompareOrdinal(e.From, e.To) < 0 && edges.Contains((e.To, e.From))).ToList();

        Assert.Empty(mutual);
    }

    [Fact]
    public void RoomEdges_SeeDependenciesThroughInstructionsAndSignatures()
    {
        // A check that finds nothing proves nothing: known one-way uses must be among the edges it reads.
        var edges = RoomEdges().Select(e => (e.From, e.To)).ToHashSet();

        Assert.Contains(("Management", "Principals"), edges);   // Caller in handler signatures
        Assert.Contains(("OAuth", "Tokens"), edges);             // the lean path reads tokens
        Assert.Contains(("Audit", "Database"), edges);           // the audit log's writer
        Assert.Contains(("Callers", "Security"), edges);         // brute-force counters
    }

    [Fact]
    public void EverySourceFile_IsInTheNamespaceOfItsFolder()
    {
        var root = Path.Combine(MigrationsTests.RepositoryRoot(), "src", "TokenService");
        var misplaced = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(root, f), Namespace: NamespaceOf(File.ReadAllText(f))))
            .Where(f => f.Namespace is not null &&
                        f.Namespace != "TokenService." + Path.GetDirectoryName(f.File)!.Replace(Path.DirectorySeparatorChar, '.'))
            .Select(f => $"{f.File}: {f.Namespace}")
            .ToList();

        Assert.Empty(misplaced);
    }

    private static string? NamespaceOf(string source) => NamespaceDeclaration().Match(source) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    private sealed record Edge(string From, string To, SortedSet<string> Through);

    private static List<Edge> RoomEdges()
    {
        using var module = ModuleDefinition.ReadModule(typeof(Program).Assembly.Location);
        var edges = new Dictionary<(string, string), SortedSet<string>>();
        foreach (var type in module.GetTypes())
        {
            if (RoomOf(type) is not { } from)
            {
                continue;
            }

            foreach (var used in TypesUsedBy(type))
            {
                if (RoomOf(used) is { } to && to != from)
                {
                    var key = (from, to);
                    if (!edges.TryGetValue(key, out var through))
                    {
                        edges[key] = through = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    through.Add($"{Outermost(type).Name}→{Outermost(used).Name}");
                }
            }
        }

        return [.. edges.Select(e => new Edge(e.Key.Item1, e.Key.Item2, e.Value))];
    }

    /// <summary>The room of a type of the service: the first namespace segment under <c>TokenService</c>.</summary>
    private static string? RoomOf(TypeReference type)
    {
        var outer = Outermost(type);
        if (outer.Scope is not ModuleDefinition and not null && outer.Scope.Name != "TokenService" && outer.Scope.Name != "TokenService.dll")
        {
            return null;
        }

        var parts = outer.Namespace.Split('.');
        return parts is ["TokenService", var room, ..] ? room : null;
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static List<TypeReference> TypesUsedBy(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? reference)
        {
            switch (reference)
            {
                case null:
                    return;
                case GenericInstanceType generic:
                    Add(generic.ElementType);
                    foreach (var argument in generic.GenericArguments)
                    {
                        Add(argument);
                    }

                    return;
                case TypeSpecification specification: // arrays, by-ref, pointers, modifiers
                    Add(specification.ElementType);
                    return;
                default:
                    found.Add(reference);
                    return;
            }
        }

        void AddMethod(MethodReference method)
        {
            Add(method.DeclaringType);
            Add(method.ReturnType);
            foreach (var parameter in method.Parameters)
            {
                Add(parameter.ParameterType);
            }

            if (method is GenericInstanceMethod generic)
            {
                foreach (var argument in generic.GenericArguments)
                {
                    Add(argument);
                }
            }
        }

        void AddAttributes(ICustomAttributeProvider provider)
        {
            foreach (var attribute in provider.CustomAttributes)
            {
                Add(attribute.AttributeType);
                foreach (var argument in attribute.ConstructorArguments)
                {
                    Add(argument.Value as TypeReference);
                }
            }
        }

        Add(type.BaseType);
        AddAttributes(type);
        foreach (var implemented in type.Interfaces)
        {
            Add(implemented.InterfaceType);
        }

        foreach (var field in type.Fields)
        {
            Add(field.FieldType);
            AddAttributes(field);
        }

        foreach (var property in type.Properties)
        {
            Add(property.PropertyType);
            AddAttributes(property);
        }

        foreach (var method in type.Methods)
        {
            AddMethod(method);
            AddAttributes(method);
            foreach (var parameter in method.Parameters)
            {
                AddAttributes(parameter);
            }

            if (!method.HasBody)
            {
                continue;
            }

            foreach (var variable in method.Body.Variables)
            {
                Add(variable.VariableType);
            }

            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference typeOperand:
                        Add(typeOperand);
                        break;
                    case MethodReference methodOperand:
                        AddMethod(methodOperand);
                        break;
                    case FieldReference fieldOperand:
                        Add(fieldOperand.DeclaringType);
                        Add(fieldOperand.FieldType);
                        break;
                }
            }
        }

        return found;
    }
}
