import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { inject } from 'vitest';
import type { FunctionName } from '../../functions/registry';
import { repoRoot } from '../../infra/constructs/functions';
import { LeadRelayStack, propsFromContext, stackId } from '../../infra/stack';

export interface Synthesized {
  readonly app: App;
  readonly stack: LeadRelayStack;
  readonly template: Template;
}

/**
 * Builds the stack the way `cdk synth` does: with the context (feature flags)
 * of cdk.json, plus `context`. `bundle: false` skips esbuild, for tests that
 * only read the template.
 */
export function synth(options: { context?: Record<string, unknown>; bundle?: boolean } = {}): Synthesized {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  // In the run's folder (test/support/synth-dir.ts removes it when the run ends).
  const outdir = mkdtempSync(join(inject('synthDir'), 'assembly-'));
  const app = new App({
    outdir,
    context: {
      ...cdkJson.context,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });
  const stack = new LeadRelayStack(app, stackId, propsFromContext(app));
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id CloudFormation knows a construct's resource by. */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

/** `{ Ref }` and `{ Fn::GetAtt }` targets anywhere inside a template value. */
export function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return node.Ref.startsWith('AWS::') ? [] : [node.Ref];
  const getAtt = node['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  return Object.values(node).flatMap(referencedIds);
}

/** An IAM policy statement as a template holds it. */
export type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type TemplateResource = { Type: string; Properties: Record<string, unknown> };

/** The logical id of a function's role. */
export function roleIdOf(synthesized: Synthesized, name: FunctionName): string {
  const role = synthesized.stack.functions.byName[name].role;
  if (!role) throw new Error(`${name} has no role`);
  return logicalIdOf(role);
}

/** Every statement of the policies attached to a role. */
export function statementsOfRole(resources: Record<string, TemplateResource>, roleId: string): Statement[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && referencedIds(r.Properties.Roles).includes(roleId))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** A statement's actions as a list. */
export function actionsOf(statement: Statement): string[] {
  return [statement.Action].flat();
}
