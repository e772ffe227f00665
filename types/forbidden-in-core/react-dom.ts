// Stand-in for 'react-dom' that tsconfig.core.json maps core code to: importing it fails to type-check on purpose.
// House rule 1: src-main/core, cli, serve and models never import electron, react or DOM APIs.
const houseRule: 'core code must not import react-dom' = 'see docs: src-main/core never imports electron/react/DOM';
export default houseRule;
