const fs = require("fs");
const checkedOut = fs.existsSync("README.md") ? "yes" : "no";
console.log(`pre for ${process.env.INPUT_WHO}, checked out: ${checkedOut}`);
fs.appendFileSync(process.env.GITHUB_STATE, `FROM_PRE=pre-${process.env.INPUT_WHO}\n`);
