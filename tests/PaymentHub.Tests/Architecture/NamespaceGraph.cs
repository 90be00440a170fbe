using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace PaymentHub.Tests.Architecture;

/// <summary>
/// Which namespace of an assembly uses which, read from its metadata: every type a type declares or uses in its base
/// type, interfaces, fields, properties, method signatures, attributes, locals and method bodies (the IL's type, method
/// and field tokens). Nested and compiler-made types (lambdas, async state machines) count for their outermost type.
/// Only types defined in the assembly itself are followed; namespaces outside <c>prefix</c> are left out.
/// </summary>
public sealed class NamespaceGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>namespace → the namespaces it uses, with one example type reference per edge ("From.Type uses To.Type").</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Edges { get; }

    private NamespaceGraph(Dictionary<string, IReadOnlyDictionary<string, string>> edges) => Edges = edges;

    /// <param name="ignore">References not to count, by full type name (user, used).</param>
    public static NamespaceGraph Of(Assembly assembly, string prefix, Func<string, string, bool>? ignore = null)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var scan = new Scan(reader, pe, prefix, ignore ?? ((_, _) => false));
        foreach (var handle in reader.TypeDefinitions)
        {
            scan.Type(handle);
        }
        return new NamespaceGraph(scan.Edges.ToDictionary(e => e.Key, e => (IReadOnlyDictionary<string, string>)e.Value));
    }

    /// <summary>Every cycle, as the strongly connected components of more than one namespace (Tarjan), each sorted.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<IReadOnlyList<string>>();
        var counter = 0;

        void Visit(string node)
        {
            index[node] = low[node] = counter++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in Edges.TryGetValue(node, out var targets) ? targets.Keys : [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }
            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                if (component.Count > 1)
                {
                    components.Add(component.Order(StringComparer.Ordinal).ToList());
                }
            }
        }

        foreach (var node in Edges.Keys.Concat(Edges.Values.SelectMany(t => t.Keys)).Distinct().Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }
        return components;
    }

    /// <summary>The edges inside one cycle, each with its example, for a failure message that says what to move.</summary>
    public IEnumerable<string> Describe(IReadOnlyList<string> cycle) =>
        from source in cycle
        from edge in Edges.GetValueOrDefault(source) ?? new Dictionary<string, string>()
        where cycle.Contains(edge.Key)
        orderby source, edge.Key
        select $"{source} -> {edge.Key} ({edge.Value})";

    private sealed class Scan(MetadataReader reader, PEReader pe, string prefix, Func<string, string, bool> ignore)
    {
        public Dictionary<string, Dictionary<string, string>> Edges { get; } = new(StringComparer.Ordinal);
        private readonly TypeCollector _collector = new();

        public void Type(TypeDefinitionHandle handle)
        {
            var type = reader.GetTypeDefinition(handle);
            var owner = Outermost(handle);
            var ownerName = Name(owner);
            var ownerNamespace = reader.GetString(reader.GetTypeDefinition(owner).Namespace);
            if (!InScope(ownerNamespace))
            {
                return;
            }
            var used = new HashSet<TypeDefinitionHandle>();
            void Use(EntityHandle entity) => Entity(entity, used);

            if (!type.BaseType.IsNil)
            {
                Use(type.BaseType);
            }
            foreach (var implementation in type.GetInterfaceImplementations())
            {
                Use(reader.GetInterfaceImplementation(implementation).Interface);
            }
            Attributes(type.GetCustomAttributes(), used);
            foreach (var parameter in type.GetGenericParameters())
            {
                Constraints(parameter, used);
            }
            foreach (var fieldHandle in type.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                Signature(field.Signature, used);
                Attributes(field.GetCustomAttributes(), used);
            }
            foreach (var propertyHandle in type.GetProperties())
            {
                var property = reader.GetPropertyDefinition(propertyHandle);
                Signature(property.Signature, used);
                Attributes(property.GetCustomAttributes(), used);
            }
            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                Signature(method.Signature, used);
                Attributes(method.GetCustomAttributes(), used);
                foreach (var parameter in method.GetGenericParameters())
                {
                    Constraints(parameter, used);
                }
                foreach (var parameterHandle in method.GetParameters())
                {
                    Attributes(reader.GetParameter(parameterHandle).GetCustomAttributes(), used);
                }
                if (method.RelativeVirtualAddress != 0)
                {
                    Body(pe.GetMethodBody(method.RelativeVirtualAddress), used);
                }
            }

            foreach (var target in used)
            {
                var targetOwner = Outermost(target);
                var targetNamespace = reader.GetString(reader.GetTypeDefinition(targetOwner).Namespace);
                if (targetNamespace == ownerNamespace || !InScope(targetNamespace) || ignore(ownerName, Name(targetOwner)))
                {
                    continue;
                }
                if (!Edges.TryGetValue(ownerNamespace, out var targets))
                {
                    Edges[ownerNamespace] = targets = new Dictionary<string, string>(StringComparer.Ordinal);
                }
                targets.TryAdd(targetNamespace, $"{ownerName} uses {Name(targetOwner)}");
            }
        }

        private bool InScope(string ns) => ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal);

        private TypeDefinitionHandle Outermost(TypeDefinitionHandle handle)
        {
            var declaring = reader.GetTypeDefinition(handle).GetDeclaringType();
            return declaring.IsNil ? handle : Outermost(declaring);
        }

        private string Name(TypeDefinitionHandle handle)
        {
            var type = reader.GetTypeDefinition(handle);
            return reader.GetString(type.Namespace) + "." + reader.GetString(type.Name);
        }

        private void Body(MethodBodyBlock body, HashSet<TypeDefinitionHandle> used)
        {
            if (!body.LocalSignature.IsNil)
            {
                Entity(body.LocalSignature, used);
            }
            var il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                short value = il.ReadByte();
                if (value == 0xFE)
                {
                    value = unchecked((short)(0xFE00 | il.ReadByte()));
                }
                var opCode = OpCodesByValue[value];
                switch (opCode.OperandType)
                {
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok
                        or OperandType.InlineSig:
                        Entity(MetadataTokens.EntityHandle(il.ReadInt32()), used);
                        break;
                    case OperandType.InlineSwitch:
                        var count = il.ReadInt32();
                        il.Offset += count * 4;
                        break;
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    default:
                        // InlineBrTarget, InlineI, InlineString, ShortInlineR: four bytes.
                        il.Offset += 4;
                        break;
                }
            }
        }

        private void Entity(EntityHandle handle, HashSet<TypeDefinitionHandle> used)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    used.Add((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeSpecification:
                    Signature(reader.GetTypeSpecification((TypeSpecificationHandle)handle).Signature, used, isType: true);
                    break;
                case HandleKind.MethodDefinition:
                    var method = reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                    used.Add(method.GetDeclaringType());
                    break;
                case HandleKind.FieldDefinition:
                    used.Add(reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MemberReference:
                    var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                    Entity(member.Parent, used);
                    Signature(member.Signature, used);
                    break;
                case HandleKind.MethodSpecification:
                    var specification = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Entity(specification.Method, used);
                    foreach (var argument in specification.DecodeSignature(_collector, null))
                    {
                        used.UnionWith(argument);
                    }
                    break;
                case HandleKind.StandaloneSignature:
                    var standalone = reader.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    if (standalone.GetKind() == StandaloneSignatureKind.LocalVariables)
                    {
                        foreach (var local in standalone.DecodeLocalSignature(_collector, null))
                        {
                            used.UnionWith(local);
                        }
                    }
                    else
                    {
                        Collect(standalone.DecodeMethodSignature(_collector, null), used);
                    }
                    break;
            }
        }

        private void Signature(BlobHandle blob, HashSet<TypeDefinitionHandle> used, bool isType = false)
        {
            var decoder = new SignatureDecoder<ImmutableHashSet<TypeDefinitionHandle>, object?>(_collector, reader, null);
            var blobReader = reader.GetBlobReader(blob);
            if (isType)
            {
                used.UnionWith(decoder.DecodeType(ref blobReader));
                return;
            }
            var header = blobReader.ReadSignatureHeader();
            blobReader.Reset();
            switch (header.Kind)
            {
                case SignatureKind.Field:
                    used.UnionWith(decoder.DecodeFieldSignature(ref blobReader));
                    break;
                case SignatureKind.Method or SignatureKind.Property:
                    Collect(decoder.DecodeMethodSignature(ref blobReader), used);
                    break;
                case SignatureKind.LocalVariables:
                    foreach (var local in decoder.DecodeLocalSignature(ref blobReader))
                    {
                        used.UnionWith(local);
                    }
                    break;
                case SignatureKind.MethodSpecification:
                    foreach (var argument in decoder.DecodeMethodSpecificationSignature(ref blobReader))
                    {
                        used.UnionWith(argument);
                    }
                    break;
            }
        }

        private static void Collect(MethodSignature<ImmutableHashSet<TypeDefinitionHandle>> signature, HashSet<TypeDefinitionHandle> used)
        {
            used.UnionWith(signature.ReturnType);
            foreach (var parameter in signature.ParameterTypes)
            {
                used.UnionWith(parameter);
            }
        }

        private void Attributes(CustomAttributeHandleCollection attributes, HashSet<TypeDefinitionHandle> used)
        {
            foreach (var handle in attributes)
            {
                Entity(reader.GetCustomAttribute(handle).Constructor, used);
            }
        }

        private void Constraints(GenericParameterHandle handle, HashSet<TypeDefinitionHandle> used)
        {
            foreach (var constraint in reader.GetGenericParameter(handle).GetConstraints())
            {
                Entity(reader.GetGenericParameterConstraint(constraint).Type, used);
            }
        }
    }

    /// <summary>Decodes a signature into the set of this assembly's types it mentions (type arguments included).</summary>
    private sealed class TypeCollector : ISignatureTypeProvider<ImmutableHashSet<TypeDefinitionHandle>, object?>
    {
        private static readonly ImmutableHashSet<TypeDefinitionHandle> None = [];

        public ImmutableHashSet<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
        public ImmutableHashSet<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];
        public ImmutableHashSet<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;
        public ImmutableHashSet<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public ImmutableHashSet<TypeDefinitionHandle> GetSZArrayType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetArrayType(ImmutableHashSet<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetByReferenceType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetPointerType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetPinnedType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetGenericInstantiation(
            ImmutableHashSet<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableHashSet<TypeDefinitionHandle>> typeArguments) =>
            typeArguments.Aggregate(genericType, (all, argument) => all.Union(argument));
        public ImmutableHashSet<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;
        public ImmutableHashSet<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;
        public ImmutableHashSet<TypeDefinitionHandle> GetModifiedType(
            ImmutableHashSet<TypeDefinitionHandle> modifier, ImmutableHashSet<TypeDefinitionHandle> unmodifiedType, bool isRequired) => unmodifiedType;
        public ImmutableHashSet<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableHashSet<TypeDefinitionHandle>> signature) =>
            signature.ParameterTypes.Aggregate(signature.ReturnType, (all, parameter) => all.Union(parameter));
    }
}
