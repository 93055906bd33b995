import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on `scope` (and everything under it), with the
 * reason a reviewer needs. cdk-nag 3 reads these through CDK's Validations
 * metadata; a finding of a granular rule needs its full id, `Rule[Finding]`.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The text cdk-nag prints for a resource or policy ARN inside a finding id: it
 * flattens intrinsics the way cdk-nag's flattenCfnReference does (`Fn::GetAtt`
 * becomes `<LogicalId.Attr>`, `Ref` becomes `<LogicalId>`, `Fn::Join` is joined),
 * so an acknowledgment can name the exact resource instead of a whole rule.
 */
export function nagResource(scope: IConstruct, arn: string): string {
  return flatten(Stack.of(scope).resolve(arn));
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const intrinsic = node as Record<string, unknown>;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (intrinsic['Fn::Sub'] !== undefined) return flatten(intrinsic['Fn::Sub']);
    if (Array.isArray(intrinsic['Fn::GetAtt'])) {
      const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (intrinsic['Fn::ImportValue'] !== undefined) return flatten(intrinsic['Fn::ImportValue']);
    if (intrinsic.Ref !== undefined) return `<${flatten(intrinsic.Ref)}>`;
  }
  return JSON.stringify(node);
}
