import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LeadRelayStack, propsFromContext, stackId } from './stack';

const app = new App();
new LeadRelayStack(app, stackId, propsFromContext(app));

// Every AwsSolutions finding, error or warning, stops the synth unless it is
// acknowledged, with its reason, where the resource is defined.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
